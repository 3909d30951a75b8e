// Any address no other route matches. Answering it from a route (rather than from Remix's
// "no match") lets the browser hydrate the same 404 page the server rendered, at any depth.
export function loader() {
  throw new Response("Not found", { status: 404 });
}

export default function NotFound() {
  return null;
}
