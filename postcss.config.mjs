// Tailwind CSS v4 through PostCSS (Next.js picks this file up for app/globals.css).
const config = {
  plugins: {
    "@tailwindcss/postcss": {},
  },
};

export default config;
