// The navigation registry: one entry per page. A page appears only when the service lists its feature in
// app.info (so pages of features this build lacks never show). Feature work adds an entry here and a view.
import type { Component } from 'vue'
import { defineAsyncComponent } from 'vue'

export interface Page {
  /** Route segment (#/<id>). */
  id: string
  /** The service feature this page needs (app.info features). */
  feature: string
  /** i18n key of the navigation label. */
  label: string
  /** A one-character glyph for the navigation rail. */
  glyph: string
  component: Component
  /** Shown at the bottom of the navigation. */
  footer?: boolean
}

export const pages: Page[] = [
  { id: 'vms', feature: 'vms', label: 'nav.vms', glyph: '▣', component: defineAsyncComponent(() => import('./views/VmsView.vue')) },
  { id: 'hosts', feature: 'hosts', label: 'nav.hosts', glyph: '▤', component: defineAsyncComponent(() => import('./views/HostsView.vue')) },
  {
    id: 'migrations',
    feature: 'migration',
    label: 'nav.migrations',
    glyph: '⇄',
    component: defineAsyncComponent(() => import('./views/MigrationsView.vue'))
  },
  {
    id: 'attestation',
    feature: 'attestation',
    label: 'nav.attestation',
    glyph: '⚿',
    component: defineAsyncComponent(() => import('./views/AttestationView.vue'))
  },
  {
    id: 'io',
    feature: 'io',
    label: 'nav.io',
    glyph: '⇅',
    component: defineAsyncComponent(() => import('./views/IoView.vue'))
  },
  {
    id: 'isolation',
    feature: 'isolation',
    label: 'nav.isolation',
    glyph: '◫',
    component: defineAsyncComponent(() => import('./views/IsolationView.vue'))
  },
  {
    id: 'settings',
    feature: 'settings',
    label: 'nav.settings',
    glyph: '⚙',
    footer: true,
    component: defineAsyncComponent(() => import('./views/SettingsView.vue'))
  }
]
