import Link from "next/link";
import { VERIFY_FIRST_MESSAGE } from "@/lib/auth/session";

/** Shown by pages whose actions an unverified account cannot use (API keys, billing). */
export function VerifyFirst() {
  return (
    <div className="panel banner" role="status" data-testid="verify-first" style={{ marginBottom: 16 }}>
      <p>{VERIFY_FIRST_MESSAGE}</p>
      <p>
        <Link href="/dashboard">Your dashboard</Link> shows your verification state and sends a new link.
      </p>
    </div>
  );
}
