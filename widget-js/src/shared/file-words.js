// The words of the file code (shared/files.js, widget/attachments.js) in the widget's languages.
// They travel in the file code's own script (dist/concierge-files.js), not in the widget's first
// script nor its locale files: a page where nobody sends a file loads none of them. The console
// uses English. Same keys in each language; a missing key takes the English text.

const en = {
  uploading: 'Uploading {name}',
  retry: 'Retry',
  download: 'Download {name}',
  unavailable: '{name} (unavailable)',
  failed: 'The file could not be sent ({status}).',
  transcriptNetwork: 'The server cannot be reached.',
  transcriptNotFound: 'This conversation cannot be downloaded.',
  transcriptServer: 'The download failed (HTTP {status}).',
  // A refused upload, by the error's code (docs/attachments.md, "Uploading a file").
  reasons: {
    too_large: 'This file is too large to send.',
    unsupported_type: 'This file type cannot be sent.',
    rate_limited: 'Too many files at once: try again in a few minutes.',
    busy: 'The server is busy: try again shortly.',
    network: 'The file could not be sent: check the connection and try again.',
    not_found: 'This conversation cannot be found.',
    bad_state: 'This conversation has ended.',
    bad_request: 'The file is empty or cannot be read.',
    unavailable: 'Files cannot be sent in this chat.',
    internal: 'Something went wrong on our side: try again.',
  },
};

const fr = {
  uploading: 'Envoi de {name}',
  retry: 'Réessayer',
  download: 'Télécharger {name}',
  unavailable: '{name} (indisponible)',
  failed: 'Le fichier n’a pas pu être envoyé ({status}).',
  transcriptNetwork: 'Le serveur est injoignable.',
  transcriptNotFound: 'Cette conversation n’est pas disponible.',
  transcriptServer: 'Le téléchargement a échoué (HTTP {status}).',
  reasons: {
    too_large: 'Ce fichier est trop volumineux pour être envoyé.',
    unsupported_type: 'Ce type de fichier ne peut pas être envoyé.',
    rate_limited: 'Trop de fichiers à la fois : réessayez dans quelques minutes.',
    busy: 'Le serveur est occupé : réessayez dans un instant.',
    network: 'Le fichier n’a pas pu être envoyé : vérifiez votre connexion et réessayez.',
    not_found: 'Cette conversation est introuvable.',
    bad_state: 'Cette conversation est terminée.',
    bad_request: 'Le fichier est vide ou illisible.',
    unavailable: 'Cette discussion n’accepte pas de fichiers.',
    internal: 'Un problème est survenu de notre côté : réessayez.',
  },
};

const de = {
  uploading: '{name} wird hochgeladen',
  retry: 'Erneut versuchen',
  download: '{name} herunterladen',
  unavailable: '{name} (nicht verfügbar)',
  failed: 'Die Datei konnte nicht gesendet werden ({status}).',
  transcriptNetwork: 'Der Server ist nicht erreichbar.',
  transcriptNotFound: 'Diese Unterhaltung ist nicht verfügbar.',
  transcriptServer: 'Der Download ist fehlgeschlagen (HTTP {status}).',
  reasons: {
    too_large: 'Diese Datei ist zu groß zum Senden.',
    unsupported_type: 'Dieser Dateityp kann nicht gesendet werden.',
    rate_limited: 'Zu viele Dateien auf einmal: Bitte versuchen Sie es in ein paar Minuten erneut.',
    busy: 'Der Server ist ausgelastet: Bitte versuchen Sie es gleich noch einmal.',
    network: 'Die Datei konnte nicht gesendet werden: Bitte prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
    not_found: 'Diese Unterhaltung wurde nicht gefunden.',
    bad_state: 'Diese Unterhaltung ist beendet.',
    bad_request: 'Die Datei ist leer oder kann nicht gelesen werden.',
    unavailable: 'In diesem Chat können keine Dateien gesendet werden.',
    internal: 'Bei uns ist etwas schiefgelaufen: Bitte versuchen Sie es erneut.',
  },
};

/** The file code's words by language: the widget's languages (strings.js LANGUAGES). */
export const FILE_WORDS = Object.freeze({ en, fr, de });

/**
 * The file code's words in `language` (a language the widget picked: "en", "fr", "de"), English
 * for any other or none. `t(key, params)` fills `{name}` placeholders from `params`, a key the
 * language lacks taking the English text; `reason(code)` is the sentence for a refusal's error
 * code, or undefined for a code neither the language nor English knows.
 */
export function fileWords(language) {
  const table = Object.hasOwn(FILE_WORDS, language) ? FILE_WORDS[language] : en;
  return {
    language: table === en ? 'en' : language,
    t(key, params) {
      const text = table[key] ?? en[key] ?? key;
      if (!params) return text;
      return text.replace(/\{(\w+)\}/g, (whole, name) => (params[name] === undefined ? whole : String(params[name])));
    },
    reason(code) {
      if (typeof code !== 'string') return undefined;
      if (Object.hasOwn(table.reasons, code)) return table.reasons[code];
      return Object.hasOwn(en.reasons, code) ? en.reasons[code] : undefined;
    },
  };
}

/** The console's words, and the widget's when it names no language. */
export const ENGLISH_FILE_WORDS = fileWords('en');
