/**
 * A short beep through WebAudio (an oscillator, no audio file). Browsers start an
 * AudioContext only from a user gesture, so `unlock()` is called on the first click or key;
 * until then, and where WebAudio is missing, `beep()` does nothing but count.
 */
export class Beeper {
  #AudioContext;
  #context = null;
  #count = 0;

  constructor(AudioContextImpl = globalThis.AudioContext ?? globalThis.webkitAudioContext) {
    this.#AudioContext = AudioContextImpl ?? null;
  }

  /** How many beeps were asked for (shown as `data-beeps` on the page, for tests and curious agents). */
  get count() {
    return this.#count;
  }

  unlock() {
    if (!this.#AudioContext) return;
    try {
      this.#context ??= new this.#AudioContext();
      if (this.#context.state === 'suspended') this.#context.resume().catch(() => {});
    } catch { /* no audio: silent */ }
  }

  beep({ frequency = 880, durationMs = 150, volume = 0.08 } = {}) {
    this.#count += 1;
    const context = this.#context;
    if (!context) return;
    try {
      const start = context.currentTime;
      const end = start + durationMs / 1000;
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(volume, start + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, end);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start);
      oscillator.stop(end + 0.02);
    } catch { /* a closed context: silent */ }
  }
}
