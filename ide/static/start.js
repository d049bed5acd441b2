// Starts GraphiQL against this server's /graphql (the page's own address).
// Everything it needs was loaded from this server before it runs.
(function () {
  "use strict";

  const DEFAULT_QUERY = `# visitplan GraphiQL
#
# Sign in first (the server prints its demo
# users when it starts):
#
#   mutation {
#     signIn(email: "<e-mail>",
#            password: "<password>") {
#       accessToken
#     }
#   }
#
# then put the token in the Headers tab below:
#
#   {"Authorization": "Bearer <accessToken>"}
#
# Run with Ctrl-Enter; Ctrl-Space completes.
# The schema and its docs load without a token;
# every field but signIn needs one.

{
  me { name email role }
}
`;
  const url = window.location.origin + window.location.pathname;
  const fetcher = GraphiQL.createFetcher({ url: url });
  const explorer = GraphiQLPluginExplorer.explorerPlugin();

  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      inputValueDeprecation: true,
    }),
  );
})();
