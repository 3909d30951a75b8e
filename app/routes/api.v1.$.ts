import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { handleApiRequest } from "~/modules/api/api-dispatch.server";

// /api/v1/*: the REST API. One route for every endpoint; the endpoint table in
// app/modules/api routes, validates and documents them.
export const loader = ({ request, context }: LoaderFunctionArgs) =>
  handleApiRequest(request, context);
export const action = ({ request, context }: ActionFunctionArgs) =>
  handleApiRequest(request, context);
