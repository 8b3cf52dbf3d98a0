/** The BuildDeck mark: three stacked layers, like image layers on a deck. Decorative. */
export function Logo({ size = 24 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden focusable="false">
      <rect width="32" height="32" rx="7" fill="#2563eb" />
      <path d="M8 11.5 16 7l8 4.5-8 4.5z" fill="#fff" />
      <path d="m8 16 8 4.5 8-4.5" fill="none" stroke="#fff" strokeWidth="2" strokeLinejoin="round" opacity=".85" />
      <path d="m8 20.5 8 4.5 8-4.5" fill="none" stroke="#fff" strokeWidth="2" strokeLinejoin="round" opacity=".6" />
    </svg>
  );
}
