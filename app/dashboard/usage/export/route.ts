import { currentAccount } from "@/lib/auth/session";
import { parseUsageFilters, usageCsvResponse } from "@/lib/usage";

export const dynamic = "force-dynamic";

// GET /dashboard/usage/export?range=…&key=…&model=…&modality=… → CSV, streamed.
// The account is the session's; the query string can only narrow what it sees.
export async function GET(request: Request): Promise<Response> {
  const session = await currentAccount();
  if (!session) {
    return Response.json({ error: { message: "Sign in to export usage.", type: "unauthorized" } }, { status: 401 });
  }
  const filters = parseUsageFilters(new URL(request.url).searchParams);
  return usageCsvResponse({ db: session.db, accountId: session.account.id, filters });
}
