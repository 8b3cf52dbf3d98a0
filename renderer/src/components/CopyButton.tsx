import { useEffect, useRef, useState } from 'react';
import { Check, Copy } from 'lucide-react';
import { copyText } from '../lib/clipboard';
import { Button } from './Button';

interface CopyButtonProps {
  text: string;
  /** What is copied, for the accessible name: "Copy endpoint". */
  label: string;
  /** Show the word "Copy" next to the icon. */
  withText?: boolean;
  className?: string | undefined;
}

export function CopyButton({ text, label, withText = false, className }: CopyButtonProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => () => clearTimeout(timer.current), []);

  const onClick = async () => {
    const copied = await copyText(text);
    setState(copied ? 'copied' : 'failed');
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), 1_500);
  };

  const status = state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : '';
  return (
    <>
      <Button
        variant="ghost"
        size="sm"
        iconOnly={!withText}
        aria-label={withText ? undefined : label}
        title={label}
        onClick={() => void onClick()}
        icon={state === 'copied' ? <Check size={14} aria-hidden /> : <Copy size={14} aria-hidden />}
        className={className}
      >
        {state === 'copied' ? 'Copied' : 'Copy'}
      </Button>
      <span className="visually-hidden" role="status">
        {status}
      </span>
    </>
  );
}
