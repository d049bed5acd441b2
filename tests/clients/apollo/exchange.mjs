// Apollo Client as an app uses it: automatic persisted queries on, the
// committed possibleTypes.json in its cache. Prints one JSON object: what the
// client read, and what it sent.
//
// usage: node exchange.mjs URL TOKEN POSSIBLE_TYPES_JSON
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [url, token, possibleTypesFile] = process.argv.slice(2);
const possibleTypes = JSON.parse(readFileSync(possibleTypesFile, "utf8"));
const sent = [];

async function recordingFetch(input, init) {
  const body = init && init.body ? JSON.parse(init.body) : null;
  sent.push({
    method: (init && init.method) || "GET",
    query: body ? "query" in body : new URL(input).searchParams.has("query"),
    hash: body
      ? Boolean(body.extensions && body.extensions.persistedQuery)
      : new URL(input).searchParams.has("extensions"),
  });
  const answer = await fetch(input, init);
  sent[sent.length - 1].status = answer.status;
  return answer;
}

const client = new ApolloClient({
  link: new PersistedQueryLink({
    sha256: (text) => createHash("sha256").update(text).digest("hex"),
  }).concat(
    new HttpLink({
      uri: url,
      fetch: recordingFetch,
      headers: { authorization: `Bearer ${token}` },
    }),
  ),
  cache: new InMemoryCache({ possibleTypes }),
});

const ME = gql`
  query Me {
    me {
      id
      name
    }
  }
`;
const CREATE = gql`
  mutation Create($input: CreateCustomerInput!) {
    createCustomer(input: $input) {
      __typename
      ... on CustomerPayload {
        customer {
          id
        }
      }
      ... on Error {
        code
        field
        message
      }
    }
  }
`;

const me = await client.query({ query: ME });
const meAgain = await client.query({ query: ME, fetchPolicy: "network-only" });
const refused = await client.mutate({
  mutation: CREATE,
  variables: { input: { name: "" } },
});
console.log(
  JSON.stringify({
    me: me.data.me,
    meAgain: meAgain.data.me,
    createCustomer: refused.data.createCustomer,
    sent,
  }),
);
