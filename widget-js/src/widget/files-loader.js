/**
 * Loads the widget's file code (upload, thumbnails, file cards) on first use, so the script
 * every page loads stays small: the built widget adds `<server>/concierge-files.js`, a script
 * that sets `globalThis.ConciergeFiles`; the unbuilt widget imports the module itself.
 */
export function loadFiles(server) {
  if (typeof CONCIERGE_BUNDLED === 'undefined') return import(new URL('/widget/attachments.js', server).href);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('/concierge-files.js', server).href;
    script.onload = () => (globalThis.ConciergeFiles ? resolve(globalThis.ConciergeFiles) : reject(new Error('files')));
    script.onerror = reject;
    document.head.append(script);
  });
}
