"use client";

import Link from "next/link";
import { useTransition } from "react";
import { switchOrganizationAction } from "@/app/dashboard/organization/actions";
import { buttonVariants } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";

export type SwitcherOrg = { accountId: string; name: string; personal: boolean; roleLabel: string };

/** The header's organization menu: the current organization and role, the others, and "Create organization". */
export function OrgSwitcher({ current, roleLabel, orgs }: { current: string; roleLabel: string; orgs: SwitcherOrg[] }) {
  const [pending, startTransition] = useTransition();
  const currentOrg = orgs.find((o) => o.accountId === current);
  return (
    <DropdownMenu>
      <DropdownMenuTrigger className={buttonVariants({ variant: "outline", className: "max-w-full" })} data-testid="org-switcher" disabled={pending}>
        <span className="truncate" data-testid="current-org">
          {currentOrg?.name ?? "Organization"}
        </span>
        <span className="text-xs font-normal text-muted-foreground" data-testid="current-role">
          {roleLabel}
        </span>
        <span aria-hidden>▾</span>
      </DropdownMenuTrigger>
      <DropdownMenuContent className="max-w-[90vw]" data-testid="org-menu">
        <DropdownMenuRadioGroup
          value={current}
          onValueChange={(accountId) => {
            if (accountId !== current) startTransition(() => switchOrganizationAction(accountId));
          }}
        >
          {orgs.map((o) => (
            <DropdownMenuRadioItem key={o.accountId} value={o.accountId} data-testid="org-option" data-org-id={o.accountId}>
              <span className="truncate">{o.name}</span>
              <span className="ml-auto pl-3 text-xs text-muted-foreground">{o.personal ? `personal · ${o.roleLabel}` : o.roleLabel}</span>
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
        <DropdownMenuItem asChild>
          <Link href="/dashboard/organization/new" data-testid="create-org-menu">
            Create organization
          </Link>
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
