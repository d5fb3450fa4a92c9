"use client";

import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";

type Tone = "info" | "success" | "error";
interface Toast {
  id: number;
  tone: Tone;
  message: string;
}

const ToastContext = createContext<(message: string, tone?: Tone) => void>(() => undefined);

const TOAST_VISIBLE_MS = 6_000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const push = useCallback((message: string, tone: Tone = "info") => {
    const id = nextId.current++;
    setToasts((list) => [...list.slice(-3), { id, tone, message }]);
    setTimeout(() => setToasts((list) => list.filter((t) => t.id !== id)), TOAST_VISIBLE_MS);
  }, []);
  const value = useMemo(() => push, [push]);
  const toneClass: Record<Tone, string> = {
    info: "border-slate-300 bg-white dark:border-slate-700 dark:bg-slate-900",
    success: "border-emerald-300 bg-emerald-50 dark:border-emerald-800 dark:bg-emerald-950",
    error: "border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950",
  };
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div aria-live="polite" role="status" className="pointer-events-none fixed bottom-4 right-4 z-50 flex w-80 max-w-[calc(100vw-2rem)] flex-col gap-2">
        {toasts.map((t) => (
          <div key={t.id} data-testid="toast" className={`pointer-events-auto rounded-md border px-3 py-2 text-sm shadow ${toneClass[t.tone]}`}>
            {t.message}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast() {
  return useContext(ToastContext);
}
