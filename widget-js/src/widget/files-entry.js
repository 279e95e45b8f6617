// The entry of dist/concierge-files.js: the widget's file code as a classic script that puts
// itself where files-loader.js looks for it.
import { attach, downloadTranscript, show } from './attachments.js';

globalThis.ConciergeFiles = Object.freeze({ attach, downloadTranscript, show });
