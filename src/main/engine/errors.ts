// Errors the engine reports to users carry a stable code and parameters; the app translates the code
// (English, 简体中文). The message here is English for logs and the headless command.
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly params: Record<string, string | number> = {}
  ) {
    super(message)
    this.name = 'EngineError'
  }
}
