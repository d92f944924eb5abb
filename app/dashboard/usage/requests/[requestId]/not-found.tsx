import Link from "next/link";

export default function RequestNotFound() {
  return (
    <div className="panel" data-testid="request-not-found">
      <h1>Request not found</h1>
      <p className="muted">There is no request with this id in your account.</p>
      <p>
        <Link href="/dashboard/usage">Back to usage</Link>
      </p>
    </div>
  );
}
