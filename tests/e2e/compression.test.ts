import http from "node:http";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "../support/app-server";
import { createIsolatedDatabase } from "../support/isolated-database";

// What goes over the wire: compressible responses gzip- or brotli-encoded when the client
// says it accepts them, raw when it does not; hashed assets cached for good.

let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
let app: AppServer;

beforeAll(async () => {
  database = await createIsolatedDatabase();
  app = await startAppServer({ DATABASE_URL: database.url });
});

afterAll(async () => {
  await app?.stop();
  await database?.drop();
});

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The bytes as sent, before any decoding. */
  body: Buffer;
}

/** A GET that leaves the body as the server sent it (fetch would decode it). */
function rawGet(path: string, acceptEncoding?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${app.url}${path}`,
      { headers: acceptEncoding ? { "Accept-Encoding": acceptEncoding } : {} },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
  });
}

function decode(response: RawResponse): string {
  const encoding = response.headers["content-encoding"];
  if (encoding === "br") return zlib.brotliDecompressSync(response.body).toString("utf8");
  if (encoding === "gzip") return zlib.gunzipSync(response.body).toString("utf8");
  return response.body.toString("utf8");
}

/** The login page's own script and stylesheet, as the browser would fetch them. */
async function assetsOfLoginPage() {
  const html = decode(await rawGet("/login"));
  const script =
    /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? /href="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  const stylesheet = /href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1];
  expect(script, "a script of the login page").toBeTruthy();
  expect(stylesheet, "the stylesheet").toBeTruthy();
  return { script: script!, stylesheet: stylesheet! };
}

describe("compression", () => {
  it("encodes HTML, .data, JSON, CSS and JS with brotli or gzip as the client accepts", async () => {
    const { script, stylesheet } = await assetsOfLoginPage();
    const paths = ["/login", "/login.data", "/api/v1/openapi.json", stylesheet, script];
    for (const path of paths) {
      const raw = await rawGet(path);
      expect(raw.status, path).toBe(200);
      expect(raw.headers["content-encoding"], `${path} without Accept-Encoding`).toBeUndefined();

      for (const encoding of ["br", "gzip"]) {
        const encoded = await rawGet(path, encoding === "br" ? "gzip, deflate, br" : "gzip");
        expect(encoded.headers["content-encoding"], `${path} for ${encoding}`).toBe(encoding);
        expect(encoded.headers.vary ?? "", path).toMatch(/accept-encoding/i);
        // The same content, in fewer bytes (a body of a few dozen bytes gains nothing).
        // (Length, not text: each page carries a fresh script nonce.)
        expect(decode(encoded).length, path).toBe(raw.body.toString("utf8").length);
        if (raw.body.length > 1000)
          expect(encoded.body.length, `${path} ${encoding} bytes`).toBeLessThan(
            raw.body.length * 0.7,
          );
      }
    }
  });

  it("serves the build's hashed assets as immutable for a year", async () => {
    const { script, stylesheet } = await assetsOfLoginPage();
    for (const path of [script, stylesheet]) {
      const response = await rawGet(path, "br");
      expect(response.headers["cache-control"], path).toBe("public, max-age=31536000, immutable");
    }
  });
});
