import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { useBoard } from './store.ts';
import { pickTransport } from './transport/index.ts';
import './styles.css';

// The transport feeds the store from outside React; components only read the store.
const { applyMessages, setConnection } = useBoard.getState();
pickTransport().connect({ onMessages: applyMessages, onConnection: setConnection });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
