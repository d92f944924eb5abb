import { cn } from "@/lib/ui/cn";

// A table that is a table from md (768 px) up and a stack of cards below: each cell shows
// its column's name (data-label) before its value, so no column is hidden on a phone.
// Use it for the tables whose key columns (status, cost, amount, actions) must stay visible.

export function StackTable({ className, ...props }: React.ComponentProps<"table">) {
  return (
    <table
      data-slot="stack-table"
      className={cn(
        "max-md:relative max-md:block max-md:[&_tbody]:block max-md:[&_thead]:sr-only max-md:[&_tr]:mb-3 max-md:[&_tr]:block max-md:[&_tr]:rounded-lg max-md:[&_tr]:border max-md:[&_tr]:bg-card max-md:[&_tr]:p-2",
        "max-md:[&_td]:flex max-md:[&_td]:justify-between max-md:[&_td]:gap-3 max-md:[&_td]:border-0 max-md:[&_td]:px-1 max-md:[&_td]:py-1 max-md:[&_td]:text-right max-md:[&_td]:break-words",
        "max-md:[&_td[data-label]]:before:text-left max-md:[&_td[data-label]]:before:text-[13px] max-md:[&_td[data-label]]:before:text-muted-foreground max-md:[&_td[data-label]]:before:content-[attr(data-label)]",
        className,
      )}
      {...props}
    />
  );
}
