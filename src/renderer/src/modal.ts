// Keyboard behaviour every modal dialog shares (WAI-ARIA dialog pattern): the focus moves into the dialog when it
// opens, Tab and Shift+Tab cycle inside it, Escape closes it (only the innermost one), a control that disappears
// under the focus (a wizard's Back button on its first step) hands the focus to the dialog's first control instead
// of dropping it on the page, and the control that opened the dialog gets the focus back when it closes.
// A dialog component calls useModal(rootRef, close); a dialog written inline in a template uses v-modal="close".
import { nextTick, onBeforeUnmount, onMounted } from 'vue'
import type { Directive, Ref } from 'vue'

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

/** The controls of `root` a keyboard user can reach, in document order (hidden ones left out). */
export function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.hidden && el.getClientRects().length > 0)
}

/** Gives the dialog element `el` the shared behaviour; `initial` names the control to focus first (default: the
 * first one in the dialog's body, else the first one at all). Returns the function that undoes it on close. */
function attach(el: HTMLElement, close: () => void, initial?: () => HTMLElement | null): () => void {
  const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null

  const first = (): HTMLElement => {
    const chosen = initial?.()
    if (chosen) return chosen
    const body = el.querySelector<HTMLElement>('.body')
    return (body && focusables(body)[0]) ?? focusables(el)[0] ?? el
  }

  function onKeydown(e: KeyboardEvent): void {
    if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation() // a dialog opened from a dialog closes alone
      close()
      return
    }
    if (e.key !== 'Tab') return
    const items = focusables(el)
    if (items.length === 0) return
    const active = document.activeElement
    const at = items.indexOf(active as HTMLElement)
    if (e.shiftKey && (at <= 0 || !el.contains(active))) {
      e.preventDefault()
      items[items.length - 1].focus()
    } else if (!e.shiftKey && (at === items.length - 1 || !el.contains(active))) {
      e.preventDefault()
      items[0].focus()
    }
  }

  // the focused control was removed or hidden (the page's body has the focus now): keep it in the dialog
  function onFocusOut(e: FocusEvent): void {
    if (e.relatedTarget) return
    setTimeout(() => {
      if (el.isConnected && (document.activeElement === document.body || document.activeElement === null)) first().focus()
    })
  }

  if (!el.hasAttribute('tabindex')) el.tabIndex = -1
  el.addEventListener('keydown', onKeydown)
  el.addEventListener('focusout', onFocusOut)
  if (!el.contains(document.activeElement)) first().focus()

  return () => {
    el.removeEventListener('keydown', onKeydown)
    el.removeEventListener('focusout', onFocusOut)
    void nextTick(() => {
      // only when the focus was left nowhere in particular (a dialog that opens another page keeps its choice)
      if (opener?.isConnected && (document.activeElement === document.body || document.activeElement === null)) opener.focus()
    })
  }
}

/** For a dialog component: `root` is its dialog element, `close` runs on Escape. Call in setup. */
export function useModal(root: Ref<HTMLElement | null>, close: () => void, options: { initial?: Ref<HTMLElement | null> } = {}): void {
  let detach: (() => void) | null = null
  onMounted(() => {
    if (root.value) detach = attach(root.value, close, () => options.initial?.value ?? null)
  })
  onBeforeUnmount(() => detach?.())
}

const detachers = new WeakMap<HTMLElement, () => void>()

/** For a dialog written inline: `<form class="dialog" v-modal="() => (editing = null)">`. */
export const vModal: Directive<HTMLElement, () => void> = {
  mounted(el, binding) {
    detachers.set(el, attach(el, () => binding.value()))
  },
  beforeUnmount(el) {
    detachers.get(el)?.()
    detachers.delete(el)
  }
}
