// Visitors over raw WebSockets, for the browser tests that need many of them (a page's sockets
// are throttled by the browser). Run by the tests as
//   node --experimental-websocket test/raw-visitors.mjs BASE_URL queue COUNT TEXT_LENGTH
//   node --experimental-websocket test/raw-visitors.mjs BASE_URL long COUNT TEXT_LENGTH NAME
//   node --experimental-websocket test/raw-visitors.mjs BASE_URL follow-up COUNT TEXT_LENGTH NAME
// `queue`: COUNT visitors, each asking for a person and writing one message of TEXT_LENGTH
// characters, 50 at a time. `long`: one visitor asking for a person and writing COUNT messages
// "Message N: xxx…" of TEXT_LENGTH characters; prints the conversation id. `follow-up`: one
// visitor NAME who writes COUNT messages, then leaves a message with an email (a follow-up for
// the team) and prints the conversation id.
// Not a test file itself (node --test runs *.test.js).
const [base, mode, countText, lengthText, name = 'Grace Long'] = process.argv.slice(2);
const count = Number(countText);
const length = Number(lengthText);
const url = new URL('/ws/visitor', base).href.replace(/^http/, 'ws');
const PARALLEL = 50;

function visitor({ name: visitorName, onReady, onFrame }) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error(`${visitorName}: not done in time`)), 120_000);
    const done = (value) => { clearTimeout(timer); socket.close(); resolve(value); };
    socket.onopen = () => socket.send(JSON.stringify({ type: 'hello', id: 'h', version: 2, site: 'demo', context: { name: visitorName } }));
    socket.onerror = () => { clearTimeout(timer); reject(new Error(`${visitorName}: socket error`)); };
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type === 'welcome') socket.send(JSON.stringify({ type: 'handoff', id: 'hand' }));
      else if (frame.type === 'ack' && frame.ref === 'hand') onReady(socket);
      else if (frame.type === 'error') { clearTimeout(timer); socket.close(); reject(new Error(`${visitorName}: ${message.data}`)); }
      else onFrame(frame, done, socket);
    };
  });
}

if (mode === 'queue') {
  const text = 'z'.repeat(length);
  const one = (i) => visitor({
    name: `Visitor ${i}`,
    onReady: (socket) => socket.send(JSON.stringify({ type: 'message', id: 'm', text })),
    onFrame: (frame, done) => { if (frame.type === 'event' && frame.id === 'm') done(); },
  });
  for (let i = 0; i < count; i += PARALLEL) {
    await Promise.all(Array.from({ length: Math.min(PARALLEL, count - i) }, (_, k) => one(i + k)));
  }
} else if (mode === 'long') {
  let sent = 0;
  const batch = (socket) => {
    const until = Math.min(count, sent + 200);
    for (; sent < until; sent += 1) {
      const head = `Message ${sent + 1}: `;
      socket.send(JSON.stringify({ type: 'message', id: `m${sent + 1}`, text: head + 'x'.repeat(Math.max(1, length - head.length)) }));
    }
  };
  const id = await visitor({
    name,
    onReady: batch,
    onFrame: (frame, done, socket) => {
      if (frame.type !== 'event' || frame.id !== `m${sent}`) return;
      if (sent < count) batch(socket);
      else done(frame.conversationId);
    },
  });
  process.stdout.write(`${id}\n`);
} else if (mode === 'follow-up') {
  const QUESTIONS = ['Hello, my parcel has not arrived.', 'It is order 1234, sent a week ago.'];
  // One visitor NAME who writes COUNT messages of TEXT_LENGTH characters to the bot, then leaves a
  // message with an email (nobody being online), prints the conversation id and goes.
  const socket = new WebSocket(url);
  let conversationId = null;
  socket.onopen = () => socket.send(JSON.stringify({ type: 'hello', id: 'h', version: 2, site: 'demo', context: { name } }));
  socket.onmessage = (message) => {
    const frame = JSON.parse(message.data);
    if (frame.type === 'welcome') {
      for (let i = 1; i <= count; i += 1) {
        const text = length > 0 ? `Message ${i}: ${'x'.repeat(length)}` : QUESTIONS[(i - 1) % QUESTIONS.length];
        socket.send(JSON.stringify({ type: 'message', id: `m${i}`, text }));
      }
    } else if (frame.type === 'event' && frame.id === `m${count}`) {
      conversationId = frame.conversationId;
      socket.send(JSON.stringify({ type: 'leave_message', id: 'left', name, email: 'ada@visitor.example',
        text: 'My parcel has not arrived. Please write to me.' }));
    } else if (frame.type === 'event' && frame.id === 'left') {
      process.stdout.write(`${conversationId}\n`);
      socket.close();
    } else if (frame.type === 'error') {
      socket.close();
      throw new Error(`${name}: ${message.data}`);
    }
  };
} else {
  throw new Error(`unknown mode ${mode}`);
}
