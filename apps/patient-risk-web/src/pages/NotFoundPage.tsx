import { Link } from "react-router";
import { useDocumentTitle } from "../useDocumentTitle";
import { PageHeading } from "../components/PageHeading";

export function NotFoundPage() {
  useDocumentTitle("Page not found");
  return (
    <section className="card state state--empty">
      <PageHeading>Page not found</PageHeading>
      <p>There is nothing at this address.</p>
      <p>
        <Link to="/">Back to all patients</Link>
      </p>
    </section>
  );
}
