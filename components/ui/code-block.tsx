import type { SampleRunner } from "@/lib/docs/examples";
import { CopyButton } from "./copy-button";

/**
 * A code block with a copy button in a bar above the code (never over it). Runnable samples
 * carry data-sample (how to run them): e2e/samples.spec.ts executes every such block it
 * finds on the site against the app.
 */
export function CodeBlock({ code, lang, sample, testId, caption }: { code: string; lang?: string; sample?: SampleRunner; testId?: string; caption?: string }) {
  return (
    <figure className="my-3 min-w-0" data-slot="code-block">
      <div className="flex items-center justify-between gap-2 rounded-t-md border border-b-0 bg-muted px-3 py-1.5">
        {caption ? (
          <figcaption className="min-w-0 text-[13px] text-muted-foreground">{caption}</figcaption>
        ) : (
          <span className="font-mono text-xs text-muted-foreground">{lang ?? ""}</span>
        )}
        <CopyButton text={code} />
      </div>
      <pre className="m-0 rounded-t-none" data-testid={testId} data-lang={lang} data-sample={sample} tabIndex={0}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}
