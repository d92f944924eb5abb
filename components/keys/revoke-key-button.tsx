"use client";

export function RevokeKeyButton({ keyId, name, action }: { keyId: string; name: string; action: (form: FormData) => Promise<void> }) {
  return (
    <form
      action={action}
      onSubmit={(e) => {
        if (!confirm(`Revoke “${name}”? Requests using it will be refused with 401.`)) e.preventDefault();
      }}
    >
      <input type="hidden" name="keyId" value={keyId} />
      <button type="submit" className="danger" data-testid="revoke-key">
        Revoke
      </button>
    </form>
  );
}
