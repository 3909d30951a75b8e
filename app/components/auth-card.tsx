import type { ReactNode } from "react";

/** The centred card the sign-in, sign-up and reset pages share. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="centered-page">
      <div className="card narrow">
        <div className="auth-brand" aria-hidden="true">
          Gapmap
        </div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
