import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { signOut } from "~/modules/accounts/auth.server";

export const loader = () => redirect("/dashboard");

export async function action({ request }: ActionFunctionArgs) {
  return signOut(request);
}
