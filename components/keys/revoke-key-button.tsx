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
      <button type="submit" className="inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-semibold no-underline hover:no-underline cursor-pointer disabled:cursor-default disabled:opacity-50 border border-destructive bg-transparent text-destructive hover:bg-destructive/10" data-testid="revoke-key">
        Revoke
      </button>
    </form>
  );
}
