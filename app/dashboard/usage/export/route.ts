import { currentAccount } from "@/lib/auth/session";
import { ForbiddenError } from "@/lib/orgs/roles";
import { parseUsageFilters, usageCsvResponse } from "@/lib/usage";
import { ownUsageOnly } from "@/lib/usage/filters";

export const dynamic = "force-dynamic";

// GET /dashboard/usage/export?range=…&key=…&model=…&modality=…&project=… → CSV, streamed.
// The organization is the session's; the query string can only narrow what it sees, and a
// role without usage.all gets only the usage of the keys that user created.
export async function GET(request: Request): Promise<Response> {
  const session = await currentAccount();
  if (!session) {
    return Response.json({ error: { message: "Sign in to export usage.", type: "unauthorized" } }, { status: 401 });
  }
  if (!session.can("usage.own")) {
    return Response.json({ error: { message: new ForbiddenError("usage.own").message, type: "forbidden", param: null, code: "forbidden" } }, { status: 403 });
  }
  const filters = ownUsageOnly(parseUsageFilters(new URL(request.url).searchParams), { userId: session.userId, seesAll: session.can("usage.all") });
  return usageCsvResponse({ db: session.db, accountId: session.account.id, filters });
}
