/**
 * A static file server on 127.0.0.1 for the browser tests: serves the test bundle and the real data
 * files a payload may reference by path. Only files under the mounted folders are served.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.gz': 'application/gzip',
  '.nii': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2'
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `mounts` (URL prefix -> folder, e.g. { '/': bundleDir, '/data/': dataDir }). */
export async function serveStatic(mounts: Record<string, string>): Promise<StaticServer> {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const prefix = prefixes.find(p => urlPath.startsWith(p));
    if (!prefix) return void res.writeHead(404).end();
    const root = path.resolve(mounts[prefix]);
    let file = path.resolve(root, '.' + path.posix.normalize('/' + urlPath.slice(prefix.length)));
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) return void res.writeHead(404).end(`not found: ${urlPath}`);
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>(resolve => server.close(() => resolve()))
  };
}
