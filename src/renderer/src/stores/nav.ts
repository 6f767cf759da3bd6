// Navigation: a tiny hash router (#/vms, #/vms/<id>, #/hosts, #/settings) kept in a store, so the address is
// bookmarkable in the browser and the Electron window needs no navigation at all.
import { defineStore } from 'pinia'
import { ref } from 'vue'

export interface Route {
  page: string
  id: string | null
}

function parse(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean)
  return { page: parts[0] ?? 'vms', id: parts[1] ? decodeURIComponent(parts[1]) : null }
}

export const useNav = defineStore('nav', () => {
  const route = ref<Route>(parse(location.hash))
  window.addEventListener('hashchange', () => (route.value = parse(location.hash)))

  function go(page: string, id: string | null = null): void {
    const hash = `#/${page}${id ? `/${encodeURIComponent(id)}` : ''}`
    if (location.hash !== hash) location.hash = hash
    route.value = { page, id }
  }

  return { route, go }
})
