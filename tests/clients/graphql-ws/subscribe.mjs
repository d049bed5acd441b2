// Subscribes with the graphql-ws client and prints each message as one JSON line.
// Usage: node subscribe.mjs URL TOKEN QUERY VARIABLES_JSON COUNT
// Prints {"ready":true} once acknowledged, then COUNT results (or an error), and exits.
import WebSocket from "ws";
import { createClient } from "graphql-ws";

const [url, token, query, variables, count] = process.argv.slice(2);
const wanted = Number(count);
let seen = 0;
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: {
    connected: () => console.log(JSON.stringify({ ready: true })),
    closed: (event) =>
      console.log(JSON.stringify({ closed: event.code, reason: event.reason })),
  },
});
const done = (code) => client.dispose().then(() => process.exit(code));
client.subscribe(
  { query, variables: JSON.parse(variables) },
  {
    next: (result) => {
      console.log(JSON.stringify(result));
      seen += 1;
      if (seen >= wanted) done(0);
    },
    error: (error) => {
      console.log(JSON.stringify({ error: String(error?.message ?? error?.code ?? error) }));
      done(1);
    },
    complete: () => done(0),
  },
);
