// Keyboard behaviour every modal dialog shares (WAI-ARIA dialog pattern): the focus moves into the dialog when it
// opens, Tab and Shift+Tab cycle inside it, Escape closes it (only the innermost one), a control that disappears
// under the focus (a wizard's Back button on its first step) hands the focus to the dialog's first control instead
// of dropping it on the page, and the control that opened the dialog gets the focus back when it closes.
import { nextTick, onBeforeUnmount, onMounted } from 'vue'
import type { Ref } from 'vue'

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

/** The controls of `root` a keyboard user can reach, in document order (hidden ones left out). */
export function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.hidden && el.getClientRects().length > 0)
}

export interface ModalOptions {
  /** The control to focus first (default: the first one in the dialog's body, else the first one at all). */
  initial?: Ref<HTMLElement | null>
}

/** Gives the dialog element `root` the shared keyboard behaviour; `close` runs on Escape. Call in setup. */
export function useModal(root: Ref<HTMLElement | null>, close: () => void, options: ModalOptions = {}): void {
  let opener: HTMLElement | null = null

  const first = (el: HTMLElement): HTMLElement => {
    if (options.initial?.value) return options.initial.value
    const body = el.querySelector<HTMLElement>('.body')
    return (body && focusables(body)[0]) ?? focusables(el)[0] ?? el
  }

  function onKeydown(e: KeyboardEvent): void {
    const el = root.value
    if (!el) return
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
      const el = root.value
      if (el?.isConnected && (document.activeElement === document.body || document.activeElement === null)) first(el).focus()
    })
  }

  onMounted(() => {
    const el = root.value
    if (!el) return
    opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null
    if (!el.hasAttribute('tabindex')) el.tabIndex = -1
    el.addEventListener('keydown', onKeydown)
    el.addEventListener('focusout', onFocusOut)
    if (!el.contains(document.activeElement)) first(el).focus()
  })

  onBeforeUnmount(() => {
    root.value?.removeEventListener('keydown', onKeydown)
    root.value?.removeEventListener('focusout', onFocusOut)
    const back = opener
    void nextTick(() => {
      // only when the focus was left nowhere in particular (a dialog that opens another page keeps its choice)
      if (back?.isConnected && (document.activeElement === document.body || document.activeElement === null)) back.focus()
    })
  })
}
