import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import './styles/global.css';

const container = document.getElementById('root');
if (!container) throw new Error('BuildDeck: #root is missing from index.html');

// TanStack Query's provider is inside the workspace chunk (app/Workspace.tsx), not here: the shell
// paints without it.
createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
