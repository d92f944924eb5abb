"use client";

import { useRef } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";

/** Revoke, confirmed in an alert dialog (not the browser's confirm); the form posts on Revoke. */
export function RevokeKeyButton({ keyId, name, action }: { keyId: string; name: string; action: (form: FormData) => Promise<void> }) {
  const form = useRef<HTMLFormElement>(null);
  return (
    <form action={action} ref={form}>
      <input type="hidden" name="keyId" value={keyId} />
      <ConfirmDialog
        trigger={
          <Button variant="destructive" size="sm" data-testid="revoke-key">
            Revoke
          </Button>
        }
        title={`Revoke “${name}”?`}
        description="Requests using this key will be refused with 401 from now on. This cannot be undone."
        actionLabel="Revoke key"
        onConfirm={() => form.current?.requestSubmit()}
      />
    </form>
  );
}
