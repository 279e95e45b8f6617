// Inline SVG icons, built node by node (no markup strings).
import { svg } from '../shared/dom.js';

const PATHS = {
  chat: ['M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6c-.5.4-1.3.1-1.3-.6V16A2.5 2.5 0 0 1 4 13.5z'],
  close: ['M6 6l12 12', 'M18 6L6 18'],
  minimize: ['M6 9l6 6 6-6'],
  send: ['M4 12l16-8-6 16-2.5-6.5z', 'M11.5 13.5L20 4'],
  person: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z', 'M4 20a8 8 0 0 1 16 0'],
  clock: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M12 7v5l3 2'],
  clip: ['M20 11l-8 8a5 5 0 0 1-7-7l8.5-8.5a3.5 3.5 0 0 1 5 5L10 17a2 2 0 0 1-3-3l7.5-7.5'],
  download: ['M12 4v11', 'M7 10l5 5 5-5', 'M5 20h14'],
  bot: ['M7 8h10a3 3 0 0 1 3 3v5a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3v-5a3 3 0 0 1 3-3z', 'M12 4v4', 'M9 13h.01', 'M15 13h.01'],
};

/** An icon by name, decorative (hidden from screen readers: buttons carry their own labels). */
export function icon(name) {
  const paths = PATHS[name] ?? PATHS.chat;
  return svg('svg', {
    viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', 'stroke-width': name === 'chat' ? 0 : 2,
    'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false',
  }, ...paths.map((d) => svg('path', name === 'chat' ? { d, fill: 'currentColor' } : { d })));
}
