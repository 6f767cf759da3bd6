// Arrow keys in a row of tabs (WAI-ARIA tabs pattern): Left/Right move to the previous/next tab and select it,
// Home/End to the first/last. Put v-tablist on the element with role="tablist"; its role="tab" buttons keep
// their own click handlers, which the keys call.
import type { Directive } from 'vue'

const MOVES: Record<string, (at: number, n: number) => number> = {
  ArrowRight: (at, n) => (at + 1) % n,
  ArrowLeft: (at, n) => (at - 1 + n) % n,
  Home: () => 0,
  End: (_, n) => n - 1
}

function onKeydown(e: KeyboardEvent): void {
  const move = MOVES[e.key]
  const list = e.currentTarget
  if (!move || !(list instanceof HTMLElement)) return
  const tabs = [...list.querySelectorAll<HTMLElement>('[role="tab"]')]
  const at = tabs.indexOf(document.activeElement as HTMLElement)
  if (at < 0) return
  e.preventDefault()
  const next = tabs[move(at, tabs.length)]
  next.focus()
  next.click()
}

export const vTablist: Directive<HTMLElement> = {
  mounted: (el) => el.addEventListener('keydown', onKeydown),
  beforeUnmount: (el) => el.removeEventListener('keydown', onKeydown)
}
