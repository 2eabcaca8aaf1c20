import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { forwardRef, useEffect, useState } from 'react';
import { describeError } from '../api/client.ts';
import type { ParseResult, ParseToken, TokenKind } from '../api/types.ts';
import { userZone } from '../lib/time.ts';
import { useServices, useTaskActions } from '../sync/context.tsx';

const kindLabels: Record<TokenKind, string> = {
  date: 'Due',
  recurrence: 'Repeats',
  priority: 'Priority',
  tag: 'Tag',
  reminder: 'Reminder',
};

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/** The text with one recognised phrase put in double quotes: the server keeps quoted text literal. */
function keepLiteral(text: string, token: ParseToken): string {
  return `${text.slice(0, token.start)}"${text.slice(token.start, token.end)}"${text.slice(token.end)}`;
}

/**
 * The always-at-hand add box: while typing, chips show what the server understood (date,
 * recurrence, priority, tags, reminders); dismissing a chip keeps its words as text; Enter adds.
 */
export const QuickAdd = forwardRef<HTMLInputElement>(function QuickAdd(_props, ref) {
  const { api } = useServices();
  const { quickAdd } = useTaskActions();
  const [text, setText] = useState('');
  const debounced = useDebounced(text.trim() ? text : '', 150);
  const parse = useQuery({
    queryKey: ['parse', debounced, userZone],
    queryFn: async () => ({
      text: debounced,
      ...(await api.post<ParseResult>('/api/tasks/parse', { text: debounced, timezone: userZone })),
    }),
    // A failed parse shows no chips; Enter still adds (the server parses again).
    enabled: debounced !== '',
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 60_000,
  });
  // Chips only for the text they were parsed from: their offsets point into it.
  const tokens = parse.data && parse.data.text === text ? parse.data.tokens : [];

  const submit = () => {
    const value = text.trim();
    if (!value || quickAdd.isPending) return;
    quickAdd.mutate(value, {
      onSuccess: () => {
        setText('');
        quickAdd.reset();
      },
    });
  };

  return (
    <form
      className="quick-add"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <div className="quick-add__row">
        <span className="quick-add__plus" aria-hidden="true">
          +
        </span>
        <input
          ref={ref}
          className="quick-add__input"
          type="text"
          value={text}
          maxLength={1000}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') event.currentTarget.blur();
          }}
          placeholder='Add a task: "Pay rent every month on the 1st #home p1"'
          aria-label="Add a task"
          aria-describedby="quick-add-help"
          autoComplete="off"
          enterKeyHint="done"
        />
        <button
          type="submit"
          className="button button--primary"
          disabled={!text.trim() || quickAdd.isPending}
        >
          Add
        </button>
      </div>
      <p id="quick-add-help" className="visually-hidden">
        Dates, repeats, p1 to p4, #tags and reminders are recognised as you type. Press Enter to add.
      </p>
      {tokens.length > 0 && (
        <ul className="chips" aria-label="Recognised">
          {tokens.map((token) => {
            const words = text.slice(token.start, token.end);
            return (
              <li key={`${token.start}-${token.kind}`} className={`chip chip--${token.kind}`}>
                <span className="chip__kind">{kindLabels[token.kind]}</span>
                <span className="chip__value">{token.value}</span>
                <button
                  type="button"
                  className="chip__dismiss"
                  aria-label={`Keep “${words}” as text`}
                  title="Keep as text"
                  onClick={() => setText(keepLiteral(text, token))}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {quickAdd.isError && (
        <p className="form-error" role="alert">
          Could not add the task: {describeError(quickAdd.error)}
        </p>
      )}
    </form>
  );
});
