// Handler typing: one function per command, receiving the parsed request and returning the response type the
// contract declares. A feature exports `Handlers<keyof typeof xCommands>`; handlers/index.ts merges them and the
// compiler refuses a command without a handler.
import type { CommandName, ParsedRequestOf, ResponseOf } from '../../../shared/contract'
import type { WorkbenchService } from '../workbench-service'

export type Handler<N extends CommandName> = (req: ParsedRequestOf<N>, service: WorkbenchService) => ResponseOf<N> | Promise<ResponseOf<N>>

export type Handlers<K extends CommandName> = { [N in K]: Handler<N> }
