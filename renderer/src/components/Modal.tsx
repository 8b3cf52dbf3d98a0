import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * A native modal <dialog>: focus moves in and stays, Esc cancels (through `onCancel`), focus
 * returns to where it was on close. Styling comes from the caller (`className`).
 */
export function Modal({
  title,
  titleClassName,
  className,
  onCancel,
  children,
  testId,
}: {
  title: ReactNode;
  titleClassName?: string | undefined;
  className?: string | undefined;
  onCancel: () => void;
  children: ReactNode;
  testId: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={className}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
      data-testid={testId}
    >
      <h2 id={titleId} className={titleClassName}>
        {title}
      </h2>
      {children}
    </dialog>
  );
}
