// GraphiQL from the installed @graphql-yoga/render-graphiql (the same version as graphql-yoga), served by this
// service: no CDN, so it works offline and under a strict Content-Security-Policy. The package's own page
// inlines about 9 MB of script, stylesheet and worker code into every response and starts its editor workers
// from blob: URLs; here each piece is a file of its own under /graphiql/, cached by the browser, and the page
// holds no script at all, so its policy can say `script-src 'self'`.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphiQLOptions } from 'graphql-yoga';

/** Where GraphiQL's files are served. */
export const GRAPHIQL_ASSETS = '/graphiql/';

/**
 * The policy of the GraphiQL page: its script, stylesheet and workers from this origin only; inline styles,
 * which the editor (Monaco) adds as it runs; requests (fetch, WebSocket) to this origin only.
 */
export const GRAPHIQL_CSP =
  "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// The editor asks for a worker by label; the package builds three.
const WORKERS = { editorWorkerService: 'editor.worker.js', json: 'json.worker.js', graphql: 'graphql.worker.js' } as const;

/**
 * The script that starts GraphiQL once the bundle defined `YogaGraphiQL`: its options come from a JSON block
 * in the page (data, not script), its workers from the files below rather than blob: URLs.
 */
const START = `
self.MonacoEnvironment = {
  globalAPI: false,
  getWorkerUrl: function (moduleId, label) {
    var workers = ${JSON.stringify(Object.fromEntries(Object.entries(WORKERS).map(([label, file]) => [label, GRAPHIQL_ASSETS + file])))};
    return workers[label] || workers.editorWorkerService;
  },
};
`;
const RENDER = `
YogaGraphiQL.renderYogaGraphiQL(
  document.querySelector('#root'),
  JSON.parse(document.getElementById('graphiql-options').textContent || '{}'),
);
`;

interface Asset {
  type: string;
  body: Buffer;
  etag: string;
}

let assets: Promise<Map<string, Asset>> | undefined;

/** The package's pieces as files; loaded (9 MB of strings) on the first request for one, not at start. */
function loadAssets(): Promise<Map<string, Asset>> {
  assets ??= import('@graphql-yoga/render-graphiql/graphiql').then((bundle) => {
    const asset = (type: string, body: Buffer): Asset => ({
      type,
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    });
    const text = (type: string, content: string) => asset(`${type}; charset=utf-8`, Buffer.from(content, 'utf8'));
    const favicon = /^data:([^;,]+);base64,(.*)$/s.exec(bundle.favicon);
    const files = new Map<string, Asset>([
      ['graphiql.js', text('text/javascript', `${START}\n${bundle.js};\n${RENDER}`)],
      ['graphiql.css', text('text/css', bundle.css)],
      [WORKERS.editorWorkerService, text('text/javascript', bundle.editorWorkerService)],
      [WORKERS.json, text('text/javascript', bundle.jsonWorker)],
      [WORKERS.graphql, text('text/javascript', bundle.graphqlWorker)],
    ]);
    if (favicon) files.set('favicon.ico', asset(favicon[1]!, Buffer.from(favicon[2]!, 'base64')));
    return files;
  });
  return assets;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The GraphiQL page, for Yoga's `renderGraphiQL`: markup only, every piece it loads from GRAPHIQL_ASSETS. */
export function renderGraphiQLPage(options: GraphiQLOptions): string {
  // In a JSON block, only `<` can end it early (`</script>`); as \u003c it is the same JSON.
  const json = JSON.stringify(options ?? {}).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options?.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${GRAPHIQL_ASSETS}favicon.ico" />
    <link rel="stylesheet" href="${GRAPHIQL_ASSETS}graphiql.css" />
    <script type="application/json" id="graphiql-options">${json}</script>
    <script src="${GRAPHIQL_ASSETS}graphiql.js" defer></script>
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
  </body>
</html>
`;
}

/**
 * Answers a GET or HEAD for one of GraphiQL's files. Returns false when the request is not for one, so the
 * caller handles it.
 */
export function serveGraphiQLAsset(req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '').split('?')[0]!;
  if (!path.startsWith(GRAPHIQL_ASSETS)) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' });
    res.end();
    return true;
  }
  void loadAssets().then(
    (files) => {
      const file = files.get(path.slice(GRAPHIQL_ASSETS.length));
      res.setHeader('x-content-type-options', 'nosniff');
      if (!file) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('not found');
        return;
      }
      // The files change only with the installed package: revalidate, and send nothing when they are the same.
      const headers = { 'content-type': file.type, etag: file.etag, 'cache-control': 'public, max-age=3600, must-revalidate' };
      if (req.headers['if-none-match'] === file.etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-length': file.body.length });
      res.end(req.method === 'HEAD' ? undefined : file.body);
    },
    () => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('GraphiQL is not installed');
    },
  );
  return true;
}
