"use client";

import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";

export type BillingTab = { value: string; label: string; content: React.ReactNode };

/**
 * The billing page's sections as tabs (one screen each instead of one long page). The open
 * tab is in the address (?tab=…), so a link or a reload lands on it.
 */
export function BillingTabs({ tabs, initial }: { tabs: BillingTab[]; initial: string }) {
  const [value, setValue] = useState(tabs.some((t) => t.value === initial) ? initial : tabs[0].value);
  const router = useRouter();
  const pathname = usePathname();
  function change(v: string) {
    setValue(v);
    // Through Next's router, not history.replaceState: a refresh still in flight (the one a
    // top-up starts) would otherwise commit its older address over this one.
    router.replace(v === tabs[0].value ? pathname : `${pathname}?tab=${encodeURIComponent(v)}`, { scroll: false });
  }
  return (
    <Tabs value={value} onValueChange={change}>
      <TabsList aria-label="Billing sections">
        {tabs.map((t) => (
          <TabsTrigger key={t.value} value={t.value} data-testid={`billing-tab-${t.value}`}>
            {t.label}
          </TabsTrigger>
        ))}
      </TabsList>
      {tabs.map((t) => (
        <TabsContent key={t.value} value={t.value} data-testid={`billing-panel-${t.value}`}>
          {t.content}
        </TabsContent>
      ))}
    </Tabs>
  );
}
