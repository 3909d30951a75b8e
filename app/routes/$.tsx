// Any address no other route matches. Answering it from a route (rather than from Remix's
// "no match") lets the browser hydrate the same 404 page the server rendered, at any depth.
export function loader() {
  throw new Response("Not found", { status: 404 });
}

// A page component makes this a page route, so the 404 renders as the app's error page
// rather than a bare text response; the loader always throws, so it never shows.
export default function NotFound() {
  return null;
}
