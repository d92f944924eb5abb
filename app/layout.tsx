import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: "Metered — pay-per-request model API",
  description: "An OpenAI-compatible model API billed per request in dollars against prepaid credit.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
