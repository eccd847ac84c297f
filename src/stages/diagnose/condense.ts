import { parseExceptionChain, type ExceptionChain } from '../classify/exception-chain.js';

/**
 * Cuts a log down to what a diagnosis needs, never the whole text: the log message, then every
 * exception of the chain (top, each `Caused by`, `Suppressed`) with its first frames. Bounded in
 * characters so a prompt's size does not grow with the log.
 */
export function condenseError(text: string, options: { framesPerException?: number; maxChars?: number } = {}): string {
  return condenseChain(text, parseExceptionChain(text), options);
}

function condenseChain(text: string, chain: ExceptionChain, options: { framesPerException?: number; maxChars?: number }): string {
  const framesPerException = options.framesPerException ?? 3;
  const maxChars = options.maxChars ?? 4000;
  if (chain.nodes.length === 0) return text.slice(0, maxChars);
  const lines: string[] = [];
  if (chain.preamble) lines.push(chain.preamble.split('\n').slice(0, 3).join('\n'));
  for (const node of chain.nodes) {
    const prefix = node.kind === 'cause' ? 'Caused by: ' : node.kind === 'suppressed' ? 'Suppressed: ' : '';
    lines.push(`${prefix}${node.className}${node.message ? `: ${node.message.split('\n')[0]!.slice(0, 500)}` : ''}`);
    for (const frame of node.frames.slice(0, framesPerException)) lines.push(`\tat ${frame}`);
    const hidden = node.frames.length - Math.min(node.frames.length, framesPerException) + node.elided;
    if (hidden > 0) lines.push(`\t... ${hidden} more`);
  }
  const condensed = lines.join('\n');
  if (condensed.length <= maxChars) return condensed;
  // Over budget: the root cause matters most, so keep the head and the tail.
  const half = Math.floor(maxChars / 2) - 20;
  return `${condensed.slice(0, half)}\n\t[… ${condensed.length - 2 * half} characters cut …]\n${condensed.slice(-half)}`;
}

/**
 * What retrieval searches with: the condensed error plus its root cause once more. Wrappers
 * ("Job execution failed", "Recovery is suppressed …") add words to every chain; weighing the
 * deepest cause twice keeps them from pulling the search (dev, similarity alone: top-3 0.846 →
 * 0.870).
 */
export function retrievalQuery(text: string): string {
  const chain = parseExceptionChain(text);
  const { root } = chain;
  const condensed = condenseChain(text, chain, {});
  return root ? `${condensed}\n${root.className}: ${root.message.split('\n')[0]!.slice(0, 500)}` : condensed;
}

