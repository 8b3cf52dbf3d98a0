/**
 * The Content-Security-Policy every BuildDeck page gets, from the app:// protocol (Electron) and from
 * the local server (browser mode). Electron security checklist #7 ("Define a Content Security Policy").
 * No inline scripts or styles, no remote origins: the renderer is a closed, offline bundle.
 */
export function contentSecurityPolicy(connectSources: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${connectSources.map((s) => ` ${s}`).join('')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
