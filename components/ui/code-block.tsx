import type { SampleRunner } from "@/lib/docs/examples";
import { CopyButton } from "./copy-button";

/**
 * A code block with a copy button. Runnable samples carry data-sample (how to run them):
 * e2e/samples.spec.ts executes every such block it finds on the site against the app.
 */
export function CodeBlock({ code, lang, sample, testId, caption }: { code: string; lang?: string; sample?: SampleRunner; testId?: string; caption?: string }) {
  return (
    <figure className="code-block">
      {caption && <figcaption className="muted">{caption}</figcaption>}
      <div className="code-block-body">
        <pre data-testid={testId} data-lang={lang} data-sample={sample} tabIndex={0}>
          <code>{code}</code>
        </pre>
        <CopyButton text={code} />
      </div>
    </figure>
  );
}
