import { powerSaveBlocker } from 'electron';

/** The wall keeps its display on: nobody is there to wake it. Engineers' desktops sleep as usual. */
export function setupPowerSave(wall: boolean): () => void {
  if (!wall) return () => {};
  const id = powerSaveBlocker.start('prevent-display-sleep');
  return () => {
    if (powerSaveBlocker.isStarted(id)) powerSaveBlocker.stop(id);
  };
}
