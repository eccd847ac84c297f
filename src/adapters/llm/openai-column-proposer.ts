import OpenAI from 'openai';
import type { ColumnProposer } from '../../stages/sqlgen/llm-fallback.js';
import { COLUMNS_JSON_SCHEMA } from '../../stages/sqlgen/llm-fallback.js';
import { classify, type OpenAiOptions } from './openai-adapters.js';

/**
 * The SQL compiler's fallback model: one chat completion per try, structured output by JSON
 * schema, the SDK's retries for 429/5xx, a timeout and a token budget. The caller validates.
 */
export class OpenAiColumnProposer implements ColumnProposer {
  readonly name: string;
  private readonly client: OpenAI;

  constructor(private readonly options: Pick<OpenAiOptions, 'apiKey' | 'baseURL' | 'model' | 'timeoutMs' | 'maxRetries' | 'maxOutputTokens'>) {
    this.name = `openai:${options.model}`;
    this.client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, timeout: options.timeoutMs, maxRetries: options.maxRetries });
  }

  async propose(system: string, user: string): Promise<string> {
    try {
      const completion = await this.client.chat.completions.create({
        model: this.options.model,
        temperature: 0,
        max_tokens: this.options.maxOutputTokens,
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
        response_format: { type: 'json_schema', json_schema: { name: 'query_columns', schema: COLUMNS_JSON_SCHEMA, strict: false } },
      });
      return completion.choices[0]?.message.content ?? '';
    } catch (err) {
      throw classify(err, 'chat completion (sql fallback)');
    }
  }
}
