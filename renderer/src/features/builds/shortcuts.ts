import { useEffect, useRef } from 'react';

/** Keyboard helpers shared by the builds views. */

export function isMac(): boolean {
  return typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

/** Ctrl on Linux/Windows, Cmd on macOS (either is accepted everywhere: a Mac keyboard on Linux...). */
export function isMod(event: KeyboardEvent): boolean {
  return event.ctrlKey || event.metaKey;
}

/** Focus is in a text control: single-key shortcuts (Esc to cancel) must not fire there. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
}

/** "Ctrl+B" or "⌘B" for tooltips. */
export function chord(key: string, options: { shift?: boolean } = {}): string {
  if (isMac()) return `${options.shift ? '⇧' : ''}⌘${key}`;
  return `Ctrl+${options.shift ? 'Shift+' : ''}${key}`;
}

/** Ctrl/Cmd+Enter from anywhere on the page runs `action` (a form's Start): the latest one. */
export function useStartShortcut(action: () => unknown): void {
  const ref = useRef(action);
  useEffect(() => {
    ref.current = action;
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Enter' && isMod(event) && !event.altKey && !event.shiftKey) {
        event.preventDefault();
        void ref.current();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}

/** Esc (outside text fields) or Ctrl/Cmd+. runs `cancel`: the build or bake on screen. */
export function useCancelShortcut(cancel: () => unknown): void {
  const ref = useRef(cancel);
  useEffect(() => {
    ref.current = cancel;
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const esc = event.key === 'Escape' && !isTyping(event.target) && !event.defaultPrevented;
      const dot = isMod(event) && event.key === '.';
      if (!esc && !dot) return;
      event.preventDefault();
      void ref.current();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
