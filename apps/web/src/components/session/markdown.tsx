"use client";

import ReactMarkdown from "react-markdown";
import remarkGfm from "remark-gfm";

/** Assistant text as markdown (GFM): code blocks, inline code, lists, tables, links. No raw HTML. */
export function Markdown({ text }: { text: string }) {
	return (
		<div className="prose-session min-w-0 break-words text-sm leading-relaxed">
			<ReactMarkdown
				remarkPlugins={[remarkGfm]}
				components={{
					p: ({ children }) => <p className="my-2 first:mt-0 last:mb-0">{children}</p>,
					a: ({ children, href }) => (
						<a
							href={href}
							target="_blank"
							rel="noreferrer"
							className="text-primary underline underline-offset-2"
						>
							{children}
						</a>
					),
					ul: ({ children }) => <ul className="my-2 list-disc pl-5">{children}</ul>,
					ol: ({ children }) => <ol className="my-2 list-decimal pl-5">{children}</ol>,
					pre: ({ children }) => (
						<pre
							data-testid="code-block"
							className="my-2 overflow-x-auto rounded-md border border-border bg-muted p-3 font-mono text-xs"
						>
							{children}
						</pre>
					),
					code: ({ children, className }) => (
						<code
							className={
								className ? `${className} font-mono` : "rounded bg-muted px-1 py-0.5 font-mono text-[0.85em]"
							}
						>
							{children}
						</code>
					),
					table: ({ children }) => (
						<div className="my-2 overflow-x-auto">
							<table className="w-full border-collapse text-xs">{children}</table>
						</div>
					),
					th: ({ children }) => <th className="border border-border px-2 py-1 text-left">{children}</th>,
					td: ({ children }) => <td className="border border-border px-2 py-1">{children}</td>,
				}}
			>
				{text}
			</ReactMarkdown>
		</div>
	);
}
