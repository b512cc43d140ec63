// credit-gateway's GraphiQL page (gateway/graphiql.py writes its HTML). GraphiQL, with an API key box:
// the key is kept in this browser's localStorage and sent as `Authorization: Bearer <key>`. The schema
// (docs, autocompletion) loads only for a key whose role may introspect, so the page says so when
// the gateway refuses.
(function () {
  "use strict";

  var KEY_STORAGE = "credit-gateway:api-key";
  var ENDPOINT = window.location.pathname; // this page is served at the GraphQL endpoint itself
  var INTROSPECTION = "IntrospectionQuery";
  // A hint in the headers editor; the fetcher never sends these placeholder values.
  var HEADER_HINTS = {
    Authorization: "Bearer <API key, or use the box above>",
    "X-Purpose": "<partners: the purpose authorised>",
  };
  var DEFAULT_QUERY = [
    "# credit-gateway: one graph of credit subjects.",
    "#",
    "# Without a key you query as the public.",
    "# Paste an API key above to query as",
    "# its client. The schema (docs and",
    "# autocompletion) loads for keys that",
    "# may introspect: the admin's, and",
    "# portal keys in development mode.",
    "#",
    "# Run: Ctrl-Enter.",
    "",
    "{",
    '  subject(code: "91350100M000100Y43") {',
    "    code",
    "    name",
    "    kind",
    "    region { province name }",
    "    records(first: 5) {",
    "      __typename",
    "      domain",
    "      category",
    "      decisionDate",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");

  var note = document.getElementById("cg-note");
  var keyInput = document.getElementById("cg-key");
  var keyState = document.getElementById("cg-key-state");

  function storedKey() {
    try {
      return (window.localStorage.getItem(KEY_STORAGE) || "").trim();
    } catch (e) {
      return ""; // storage disabled: the key lives as long as the page
    }
  }

  var currentKey = storedKey();

  function saveKey(key) {
    currentKey = key;
    try {
      if (key) window.localStorage.setItem(KEY_STORAGE, key);
      else window.localStorage.removeItem(KEY_STORAGE);
    } catch (e) {
      /* storage disabled: keep it in memory only */
    }
  }

  function say(text, kind) {
    note.textContent = text;
    note.className = kind ? "cg-" + kind : "";
  }

  function showKeyState() {
    keyState.textContent = currentKey ? "using key " + currentKey.slice(0, 6) + "…" : "no key: you are the public";
  }

  function codesOf(body) {
    var errors = (body && body.errors) || [];
    return errors.map(function (e) {
      return (e.extensions && e.extensions.code) || "";
    });
  }

  function firstMessage(body) {
    var errors = (body && body.errors) || [];
    return errors.length ? errors[0].message : "";
  }

  // What the user should know after the schema request; null when it loaded.
  function introspectionProblem(body, status, sentKey) {
    var codes = codesOf(body);
    if (codes.indexOf("INTROSPECTION_DISABLED") >= 0) {
      return sentKey
        ? "The schema cannot be loaded: this key's role may not introspect (only the admin's keys may, and " +
            "portal keys when CREDIT_GATEWAY_DEVELOPMENT_MODE is on). Queries still run with this key."
        : "The schema cannot be loaded: introspection is not allowed for anonymous callers. Paste a key " +
            "above (an admin key, or a portal key in development mode) to load the docs and autocompletion. " +
            "Queries still run without a key, as the public.";
    }
    if (codes.indexOf("UNAUTHENTICATED") >= 0) {
      return "This key was refused (" + firstMessage(body) + "). Paste another key, or forget it to query as the public.";
    }
    if (codes.indexOf("RATE_LIMITED") >= 0) {
      return "Too many requests: " + firstMessage(body) + ". Reload the page to try again.";
    }
    if (status >= 400 || codes.length) {
      return "The schema could not be loaded: " + (firstMessage(body) || "HTTP " + status) + ".";
    }
    return null;
  }

  function requestHeaders(editorHeaders) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (currentKey) headers.Authorization = "Bearer " + currentKey;
    Object.keys(editorHeaders || {}).forEach(function (name) {
      var value = editorHeaders[name];
      var hint = Object.keys(HEADER_HINTS).some(function (h) {
        return h.toLowerCase() === name.toLowerCase() && HEADER_HINTS[h] === value;
      });
      if (!hint && value !== undefined && value !== null && value !== "") headers[name] = String(value);
    });
    return headers;
  }

  function makeFetcher() {
    // A new fetcher per key: GraphiQL fetches the schema again whenever its fetcher changes.
    return function fetcher(params, options) {
      var headers = requestHeaders(options && options.headers);
      var sentKey = Object.keys(headers).some(function (n) {
        return n.toLowerCase() === "authorization";
      });
      return window
        .fetch(ENDPOINT, { method: "POST", headers: headers, body: JSON.stringify(params), credentials: "omit" })
        .then(function (response) {
          return response.text().then(function (text) {
            var body;
            try {
              body = JSON.parse(text);
            } catch (e) {
              body = { errors: [{ message: "HTTP " + response.status + ": " + text.slice(0, 200) }] };
            }
            if (params && params.operationName === INTROSPECTION) {
              var problem = introspectionProblem(body, response.status, sentKey);
              if (problem) say(problem, "problem");
              else say(sentKey ? "Schema loaded for your key." : "Schema loaded.", "ok");
            }
            return body;
          });
        });
    };
  }

  var root = window.ReactDOM.createRoot(document.getElementById("graphiql"));

  function render() {
    showKeyState();
    say("Loading the schema…", null);
    root.render(
      window.React.createElement(
        window.GraphiQL,
        {
          fetcher: makeFetcher(),
          defaultQuery: DEFAULT_QUERY,
          defaultHeaders: JSON.stringify(HEADER_HINTS, null, 2),
          defaultEditorToolsVisibility: "headers",
          isHeadersEditorEnabled: true,
          shouldPersistHeaders: false, // a key typed into the headers editor is not written to storage
          introspectionQueryName: INTROSPECTION,
          inputValueDeprecation: true,
        },
        window.React.createElement(window.GraphiQL.Logo, null, "credit-gateway")
      )
    );
  }

  document.getElementById("cg-keybar").addEventListener("submit", function (event) {
    event.preventDefault();
    var key = keyInput.value.trim();
    if (!key) {
      say("Paste a key into the box first (or use Forget key to query as the public).", "problem");
      return;
    }
    saveKey(key);
    keyInput.value = "";
    render();
  });
  document.getElementById("cg-forget-key").addEventListener("click", function () {
    saveKey("");
    keyInput.value = "";
    render();
  });

  render();
})();
