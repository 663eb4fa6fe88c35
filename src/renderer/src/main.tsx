import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, prefetchViews } from './App.tsx';
import { warmUpCharts } from './chart-warmup.tsx';
import { connectWhenAllowed } from './identity.ts';
import { setTransport } from './rpc.ts';
import { useBoard } from './store.ts';
import { pickTransport } from './transport/index.ts';
import './styles.css';

// The transport feeds the store from outside React; components only read the store.
const transport = pickTransport();
setTransport(transport);
const { applyMessages, setConnection } = useBoard.getState();
connectWhenAllowed(transport, { onMessages: applyMessages, onConnection: setConnection });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
warmUpCharts(prefetchViews);
