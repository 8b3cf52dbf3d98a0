import { useEffect } from 'react';
import { useCommand } from '../api/client';

/**
 * Pins <html data-theme> to the Theme setting; "system" removes it so the CSS light-dark() pairs
 * follow the OS. Until settings arrive the OS decides, so there is no flash for most users.
 */
export function useTheme(): void {
  const settings = useCommand('settings.get', {}, { staleTime: Infinity });
  const theme = settings.data?.settings.theme;
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'light' || theme === 'dark') root.dataset['theme'] = theme;
    else delete root.dataset['theme'];
  }, [theme]);
}
