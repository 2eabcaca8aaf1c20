import { useEffect, useRef } from 'react';

export const shortcuts: [string, string][] = [
  ['q', 'Add a task'],
  ['/', 'Search'],
  ['j / k', 'Next / previous task'],
  ['x', 'Complete or reopen the task'],
  ['e or Enter', 'Edit the task'],
  ['Esc', 'Close the panel or dialog'],
  ['?', 'Show these shortcuts'],
];

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="shortcuts-title" onClose={onClose}>
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <dl className="shortcuts">
        {shortcuts.map(([keys, what]) => (
          <div key={keys}>
            <dt>
              {keys
                .split(' ')
                .map((key) =>
                  key.length <= 5 && key !== 'or' ? (
                    <kbd key={key}>{key}</kbd>
                  ) : (
                    <span key={key}> {key} </span>
                  ),
                )}
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <button type="button" className="button" onClick={onClose}>
        Close
      </button>
    </dialog>
  );
}
