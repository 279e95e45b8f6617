// The widget's styles, applied inside its shadow root so the page's CSS and ours never meet.

/** Black or white, whichever reads better on the hex colour `color` (WCAG relative luminance). */
export function textColorOn(color) {
  let hex = String(color).replace('#', '');
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
  if (!/^[0-9a-f]{6}$/i.test(hex)) return '#ffffff';
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Contrast with white is (1.05)/(L+0.05), with black (L+0.05)/0.05: pick the larger.
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#ffffff' : '#111827';
}

export const STYLES = `
:host {
  all: initial;
  position: fixed;
  z-index: 2147483000;
  bottom: 20px;
  right: 20px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 14px;
  line-height: 1.45;
  color: #111827;
  --cc-radius: 16px;
  --cc-muted: #596170;
  --cc-line: #e5e7eb;
  --cc-surface: #f6f7f9;
}
:host([data-position="left"]) { right: auto; left: 20px; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button, input, textarea { font: inherit; color: inherit; }
:focus-visible { outline: 3px solid color-mix(in srgb, var(--cc-brand) 55%, white); outline-offset: 2px; }

.launcher {
  display: grid; place-items: center;
  width: 58px; height: 58px; margin-left: auto;
  border: none; border-radius: 50%; cursor: pointer;
  background: var(--cc-brand); color: var(--cc-on-brand);
  box-shadow: 0 10px 25px rgba(17, 24, 39, .25), 0 2px 6px rgba(17, 24, 39, .15);
  transition: transform .15s ease, box-shadow .15s ease;
  position: relative;
}
.launcher:hover { transform: translateY(-1px) scale(1.03); }
.launcher svg { width: 26px; height: 26px; }
.badge {
  position: absolute; top: -2px; right: -2px; min-width: 20px; height: 20px; padding: 0 6px;
  border-radius: 10px; background: #ef4444; color: #fff; font-size: 12px; font-weight: 700;
  display: grid; place-items: center; border: 2px solid #fff;
}

.panel {
  position: absolute; bottom: 74px; right: 0;
  width: 360px; height: 520px; max-height: calc(100vh - 110px); max-width: calc(100vw - 40px);
  display: flex; flex-direction: column;
  background: #fff; border-radius: var(--cc-radius); overflow: hidden;
  box-shadow: 0 24px 60px rgba(17, 24, 39, .22), 0 4px 14px rgba(17, 24, 39, .12);
  border: 1px solid rgba(17, 24, 39, .06);
  animation: cc-in .18s ease-out;
}
:host([data-position="left"]) .panel { right: auto; left: 0; }
@keyframes cc-in { from { opacity: 0; transform: translateY(8px) scale(.98); } to { opacity: 1; transform: none; } }

.header {
  display: flex; align-items: center; gap: 8px; padding: 14px 10px 14px 16px;
  background: var(--cc-brand); color: var(--cc-on-brand);
}
.avatar {
  flex: none; width: 38px; height: 38px; border-radius: 50%;
  display: grid; place-items: center; font-weight: 700; font-size: 15px;
  background: color-mix(in srgb, var(--cc-on-brand) 22%, transparent);
}
.avatar svg { width: 20px; height: 20px; }
.heading { flex: 1; min-width: 0; margin-left: 4px; }
.title { margin: 0; font-size: 16px; font-weight: 650; letter-spacing: .1px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.subtitle { margin: 1px 0 0; font-size: 12.5px; opacity: .88; display: flex; align-items: center; gap: 6px; min-width: 0; }
.subtitle span:last-child { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: #34d399; flex: none; }
.dot[data-state="connecting"], .dot[data-state="reconnecting"] { background: #fbbf24; }
.dot[data-state="closed"] { background: #9ca3af; }
.icon-button {
  flex: none; width: 32px; height: 32px; border: none; border-radius: 10px; cursor: pointer;
  background: transparent; color: inherit; display: grid; place-items: center;
}
.icon-button:hover { background: color-mix(in srgb, var(--cc-on-brand) 16%, transparent); }
.icon-button svg { width: 18px; height: 18px; }
.text-button {
  flex: none; border: none; background: transparent; color: inherit; cursor: pointer;
  font-size: 12px; padding: 5px 7px; border-radius: 8px; opacity: .9; white-space: nowrap;
}
.text-button:hover { background: color-mix(in srgb, var(--cc-on-brand) 16%, transparent); opacity: 1; }

.banner {
  margin: 0; padding: 10px 16px; font-size: 13px;
  background: color-mix(in srgb, var(--cc-brand) 9%, white); color: #1f2937;
  border-bottom: 1px solid var(--cc-line);
  display: flex; gap: 8px; align-items: flex-start;
}
.notice { margin: 0; padding: 8px 16px; font-size: 12.5px; background: #fef3c7; color: #78350f; border-bottom: 1px solid #fde68a; }
.banner svg { width: 16px; height: 16px; flex: none; margin-top: 2px; color: var(--cc-brand); }

.log {
  flex: 1; overflow-y: auto; margin: 0; padding: 16px 14px 8px; list-style: none;
  background: var(--cc-surface); display: flex; flex-direction: column; gap: 10px;
}
.msg { display: flex; flex-direction: column; max-width: 84%; }
.msg .author { font-size: 11.5px; color: var(--cc-muted); margin: 0 0 3px 4px; }
.bubble {
  padding: 9px 13px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere;
  background: #fff; border: 1px solid var(--cc-line); border-bottom-left-radius: 5px;
  box-shadow: 0 1px 1px rgba(17, 24, 39, .04);
}
.msg--mine { align-self: flex-end; align-items: flex-end; }
.bubble a { color: inherit; text-decoration: underline; text-underline-offset: 2px; }
.msg--mine .bubble {
  background: var(--cc-brand); color: var(--cc-on-brand); border-color: transparent;
  border-bottom-left-radius: 16px; border-bottom-right-radius: 5px;
}
.msg--agent .bubble { border-left: 3px solid var(--cc-brand); }
.msg .meta { font-size: 11px; color: var(--cc-muted); margin: 3px 6px 0; }
.msg .via { font-size: 11px; color: var(--cc-muted); margin: 0 6px; font-style: italic; }
.msg--pending .bubble { opacity: .7; }
.msg--failed .bubble { background: #fee2e2; color: #991b1b; }
.suggestions { display: flex; flex-direction: column; align-items: flex-start; gap: 6px; margin-top: 8px; }
.suggestion {
  border: 1.5px solid var(--cc-brand); color: var(--cc-brand); background: #fff; cursor: pointer;
  border-radius: 999px; padding: 6px 12px; font-size: 13px; text-align: left;
}
.suggestion:hover:not(:disabled) { background: color-mix(in srgb, var(--cc-brand) 8%, white); }
.system {
  align-self: center; max-width: 90%; text-align: center; font-size: 12px; color: var(--cc-muted);
  padding: 2px 10px;
}
.system--notice { color: #92400e; background: #fef3c7; border-radius: 8px; padding: 6px 10px; }
.system--joined { color: #047857; font-weight: 600; }
.divider {
  align-self: stretch; text-align: center; font-size: 11.5px; color: var(--cc-muted);
  border-top: 1px dashed var(--cc-line); padding-top: 6px; margin-top: 6px;
}

.earlier { border-bottom: 1px solid var(--cc-line); background: #fff; }
.earlier-toggle {
  display: flex; align-items: center; gap: 6px; width: 100%; padding: 7px 16px; border: none;
  background: transparent; cursor: pointer; font-size: 12.5px; color: #374151; text-align: left;
}
.earlier-toggle::before { content: "▸"; color: var(--cc-muted); }
.earlier-toggle[aria-expanded="true"]::before { content: "▾"; }
.earlier-toggle:hover { color: var(--cc-brand); }
.earlier-list { list-style: none; margin: 0; padding: 0 8px 8px; max-height: 168px; overflow-y: auto; }
.earlier-item {
  display: grid; grid-template-columns: auto 1fr auto; align-items: baseline; gap: 8px; width: 100%;
  padding: 6px 8px; border: none; border-radius: 8px; background: transparent; cursor: pointer;
  text-align: left; font-size: 12.5px;
}
.earlier-item:hover { background: var(--cc-surface); }
.earlier-date { color: var(--cc-muted); font-size: 11.5px; white-space: nowrap; }
.earlier-line { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.earlier-stars { color: #d97706; font-size: 11.5px; letter-spacing: 1px; white-space: nowrap; }
.earlier-pane { flex: 1; min-height: 0; display: flex; flex-direction: column; background: var(--cc-surface); }
.earlier-bar {
  display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; padding: 8px 12px; background: #fff;
  border-bottom: 1px solid var(--cc-line);
}
.earlier-back {
  flex: none; border: 1px solid var(--cc-line); background: #fff; border-radius: 999px; cursor: pointer;
  padding: 4px 10px; font-size: 12px; color: #374151;
}
.earlier-back:hover { border-color: var(--cc-brand); color: var(--cc-brand); }
.earlier-heading { flex: 1 1 100%; margin: 0; font-size: 12.5px; font-weight: 600; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.earlier-status { margin: 12px auto 0; }
/* An earlier conversation on screen: read-only, nothing of the current one shows. */
.panel[data-view="earlier"] > .log, .panel[data-view="earlier"] > .typing, .panel[data-view="earlier"] > .rating,
.panel[data-view="earlier"] > .actions, .panel[data-view="earlier"] > .composer { display: none; }

.typing { padding: 4px 18px 6px; font-size: 12px; color: var(--cc-muted); background: var(--cc-surface); }
.typing span { display: inline-block; width: 5px; height: 5px; margin-right: 3px; border-radius: 50%; background: var(--cc-muted); animation: cc-blink 1.2s infinite; }
.typing span:nth-child(2) { animation-delay: .2s; }
.typing span:nth-child(3) { animation-delay: .4s; margin-right: 8px; }
@keyframes cc-blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }

.rating { padding: 14px 16px; border-top: 1px solid var(--cc-line); background: #fff; }
.rating fieldset { border: none; margin: 0; padding: 0; }
.rating legend { font-weight: 600; margin-bottom: 8px; padding: 0; }
.stars { display: flex; gap: 6px; margin-bottom: 10px; }
.stars label { cursor: pointer; }
.stars input { position: absolute; opacity: 0; width: 1px; height: 1px; }
.stars span {
  display: grid; place-items: center; width: 38px; height: 38px; border-radius: 10px;
  border: 1.5px solid var(--cc-line); font-size: 15px; font-weight: 600; color: #374151;
}
.stars input:checked + span { background: var(--cc-brand); color: var(--cc-on-brand); border-color: var(--cc-brand); }
.stars input:focus-visible + span { outline: 3px solid color-mix(in srgb, var(--cc-brand) 55%, white); outline-offset: 2px; }
.rating textarea {
  width: 100%; min-height: 56px; resize: vertical; border: 1px solid var(--cc-line); border-radius: 10px;
  padding: 8px 10px; margin-bottom: 10px;
}
.rating .thanks { margin: 0; color: #047857; font-weight: 600; }

.actions { padding: 8px 12px 0; background: #fff; border-top: 1px solid var(--cc-line); }
.human {
  display: inline-flex; align-items: center; gap: 6px; cursor: pointer;
  border: 1px solid var(--cc-line); background: #fff; border-radius: 999px; padding: 5px 12px;
  font-size: 12.5px; color: #374151;
}
.human:hover:not(:disabled) { border-color: var(--cc-brand); color: var(--cc-brand); }
.human:disabled { cursor: default; opacity: .6; }
.suggestion:disabled { cursor: default; opacity: .55; }
.human svg { width: 14px; height: 14px; }

.composer { display: flex; align-items: flex-end; gap: 8px; padding: 8px 12px 12px; background: #fff; }
.composer textarea {
  flex: 1; resize: none; max-height: 120px; min-height: 42px; padding: 10px 14px;
  border: 1px solid #d1d5db; border-radius: 21px; background: #fff; outline: none;
}
.composer textarea:focus { border-color: var(--cc-brand); box-shadow: 0 0 0 3px color-mix(in srgb, var(--cc-brand) 18%, transparent); }
.primary {
  border: none; cursor: pointer; background: var(--cc-brand); color: var(--cc-on-brand);
  border-radius: 999px; padding: 8px 16px; font-weight: 600;
}
.send { width: 42px; height: 42px; padding: 0; display: grid; place-items: center; flex: none; }
.send svg { width: 18px; height: 18px; }
.primary:disabled { opacity: .5; cursor: default; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.footer { text-align: center; font-size: 10.5px; color: #596170; padding: 0 0 8px; background: #fff; }

/* The pre-chat and leave-a-message forms take the place of the conversation. */
.form-pane { flex: 1; min-height: 0; overflow-y: auto; padding: 16px; background: #fff; }
.panel[data-view="prechat"] > :is(.log, .earlier, .typing, .rating, .actions, .composer),
.panel[data-view="leave"] > :is(.log, .earlier, .typing, .rating, .actions, .composer) { display: none; }
.form-title { margin: 0 0 4px; font-size: 15px; }
.form-intro { margin: 0 0 12px; color: #4b5563; font-size: 13px; }
.field { display: flex; flex-direction: column; gap: 4px; margin-bottom: 10px; }
.field label { font-size: 12.5px; font-weight: 600; color: #374151; }
.field .optional { font-weight: 400; color: #4b5563; }
.field input, .field textarea {
  border: 1px solid #9ca3af; border-radius: 10px; padding: 8px 10px; background: #fff; width: 100%;
}
.field textarea { resize: vertical; min-height: 64px; }
.field [aria-invalid="true"] { border-color: #b91c1c; }
.form-error { margin: 0 0 10px; color: #b91c1c; font-size: 12.5px; }
.form-buttons { display: flex; flex-wrap: wrap; gap: 8px; }
.form-thanks { margin: 8px 0 14px; color: #047857; font-weight: 600; }
.secondary {
  border: 1px solid #9ca3af; background: #fff; color: #374151; cursor: pointer;
  border-radius: 999px; padding: 8px 14px;
}
.secondary:hover { border-color: var(--cc-brand); color: var(--cc-brand); }
.receipt { white-space: nowrap; }
.msg[data-receipt="read"] .receipt { color: var(--cc-brand); font-weight: 600; }

@media (max-width: 480px) {
  :host { bottom: 12px; right: 12px; }
  :host([data-position="left"]) { left: 12px; }
  .panel { position: fixed; inset: 0; width: auto; height: auto; max-width: none; max-height: none; border-radius: 0; }
  .launcher[aria-expanded="true"] { display: none; }
}
@media (prefers-reduced-motion: reduce) {
  .panel, .typing span { animation: none; }
}
`;
